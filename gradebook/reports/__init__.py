"""Reports: selectors that build frozen dataclasses, renderers that turn them into HTML, XLSX and PDF,
and the background jobs that build the long ones (DESIGN.md §4 "Standard report figures", §5 Runtime).

- `figures`: the standard figures (отличники, успеваемость, СОУ…) as pure functions over plain data.
- `ledger`: the сводная ведомость selector.
- `render_xlsx`, `render_pdf`: renderers; they never touch the ORM.
- `jobs`: the services `report_job_request`, `report_job_run` and `report_jobs_sweep`; `job_parts`: jobs
  built in parts (`ledger_pdf_parts`, `ledger_json`, `pdf_merge`); `gradebook.tasks` is the Celery entry.
"""
