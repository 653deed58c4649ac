"""The Execution Tool's core: batch runs of whole notebooks, without the browser.

`states` holds a notebook's run as a state machine (queued → starting → installing → running
cell k of n → done / failed / cancelled, or skipped); `outputs` turns a kernel's messages into
nbformat outputs; `notebook_file` says which cells run and writes their results back into the
notebook's JSON as `jupyter nbconvert --execute --inplace` would; `notebook_run` drives one
notebook through a kernel port; `batch` schedules many under a parallelism and ends with a
summary. The page's tool (controller/execution_tool.py) and the headless runner plug sessions
and the contents store in; nothing here imports `js` or `pyodide`.
"""
