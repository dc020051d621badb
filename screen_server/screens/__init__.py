"""What each screen shows and when: its schedule (an idle loop and timed panels), a manual switch an
admin makes, and emergency messages that override everything until withdrawn."""
