"""The service window (服务窗口): members' suggestions and requests for help, routed to an owner with a
deadline and answered; and a member's requests to correct their own record."""
