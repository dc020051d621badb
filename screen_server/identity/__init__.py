"""Who is who: lockouts after wrong passwords, PINs and codes, admin sessions kept on the server, and
two-factor sign-in (TOTP with recovery codes). Nothing here imports Flask."""
