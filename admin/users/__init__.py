"""后台用户: the admin users and their roles (system admins only)."""
