"""``appeal batch``: many inputs -> every letter, in parallel, resumable, one summary.

``items`` reads the inputs (``reader``: in a process of its own, while the
letters are made), ``worker`` makes one letter, ``place`` puts letters in
place on disk, ``manifest`` remembers what was made, ``summary`` writes
``summary.csv``, and ``runner`` ties them together.

Inputs are case files, folders of them, X12 835 remittances (one case per denial,
written to ``out/cases/`` as ``import-835`` would write it) or CSV and XLSX
spreadsheets (``appeal.inputs.table``: dotted headers, or the office's own through a
column map). ``summary.csv`` is the day's worklist (``summary.SUMMARY_COLUMNS``).

- **Parallel:** items go to a process pool whose workers each build the
  templates, citation library and workspace once (``worker.start_worker``). Items
  are submitted in a bounded window, so memory stays flat however many there are.
- **One bad item never stops the others:** each item's problems become its row
  in ``summary.csv``; the exit status says whether any failed.
- **Resumable:** ``out/.batch/manifest.json`` maps a hash of each item's content
  (and of the templates, citations, profile and formats it was made with) to
  the file names it produced; a rerun skips items whose letters are all there.
  The manifest holds hashes and file names only, never patient data.
- **No partial files, no flush per file:** a worker writes a letter's files to
  temporary files beside their names; the parent puts many letters in place with
  one sync of the filesystem, then logs them as done (``place``). A file at a
  letter's name is always whole; temporary files that a killed run left behind
  are removed when the next run starts.
- **Race-free names:** a worker claims a letter name by creating the symlink
  ``out/.batch/names/<stem>`` whose target is the case's key; a name held by
  another case gets ``-2``, ``-3``, ...
"""
