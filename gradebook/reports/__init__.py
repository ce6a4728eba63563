"""Reports: selectors that build frozen dataclasses, renderers that turn them into HTML, XLSX and PDF,
and the background jobs that build the long ones (DESIGN.md §4 "Standard report figures", §5 Runtime).

- `figures`: the standard figures (отличники, успеваемость, СОУ…) as pure functions over plain data.
- `ledger`: the сводная ведомость selector.
- `render_xlsx`, `render_pdf`: renderers; they never touch the ORM.
- `jobs`: the services `report_job_request` and `report_job_run`; `gradebook.tasks` is the Celery entry.
"""
