"""The parts of `cablesite import` (the entry points are in `generator.importing.command`).

inputs.py        which files the SOURCE arguments name
batches.py       streaming them as small batches of records (main process)
jsonl_fields.py  JSON Lines with user-mapped field names
prepare.py       parsing records and laying out cable files (worker processes)
layout.py        a cable's path and file text, front matter and edit stamp
store.py         the import folder: what is there, atomic writes
pool.py          the ordered, bounded parallel map joining the two halves
"""
