"""Members: the list (search, branch filter, pages), a member's card, PINs and the roster import."""
