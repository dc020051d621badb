"""Live knowledge contests (知识竞赛): a host runs one in the room, players answer on their phones, the
wall shows the race. Timing and scoring are the server's alone."""
