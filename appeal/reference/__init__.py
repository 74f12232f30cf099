"""Reference data the letters and the check read: citations, CARC/RARC codes, deadlines."""
