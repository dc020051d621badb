"""服务窗口: members' suggestions and requests, answered by their owner; members' record corrections."""
