"""The batch report: tagged sentences → one self-contained HTML page (`fazhi report`, `fazhi predict --html`).

batch.py reads tagged files (or takes predict's results) into a Batch; page.py renders it
with page.html, page.css and page.js, shipped beside them as package data.
"""
