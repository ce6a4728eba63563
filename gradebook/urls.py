from django.urls import path

from gradebook import (
    certificate_views,
    deputy_views,
    diagnostic_views,
    exam_views,
    family_views,
    journal_views,
    report_views,
    views,
)

urlpatterns = [
    path("teacher/", views.teacher_home, name="teacher_home"),
    path("class-teacher/", views.class_teacher_home, name="class_teacher_home"),
    path("parent/", views.parent_home, name="parent_home"),
    path("me/", views.student_home, name="student_home"),
    path("school/", views.school_overview, name="school_overview"),
    path("classes/<int:pk>/", views.class_detail, name="class_detail"),
    path("students/<int:pk>/", views.student_detail, name="student_detail"),
    path("journal/<int:pk>/", journal_views.journal_page, name="journal"),
    path("journal/<int:pk>/lessons/", journal_views.journal_lesson_create, name="journal_lesson_create"),
    path(
        "journal/<int:pk>/lessons/<int:lesson_id>/",
        journal_views.journal_lesson_update,
        name="journal_lesson_update",
    ),
    path(
        "journal/<int:pk>/lessons/<int:lesson_id>/delete/",
        journal_views.journal_lesson_delete,
        name="journal_lesson_delete",
    ),
    path(
        "journal/<int:pk>/lessons/<int:lesson_id>/fill/",
        journal_views.journal_column_fill,
        name="journal_column_fill",
    ),
    path("journal/<int:pk>/history/", deputy_views.journal_history, name="journal_history"),
    path("journal/<int:pk>/year/", journal_views.journal_year, name="journal_year"),
    path("journal/<int:pk>/corrections/", deputy_views.correction_request, name="correction_request"),
    path("school/rules/", deputy_views.rules_page, name="rules"),
    path("school/terms/", deputy_views.terms_page, name="terms"),
    path("school/terms/<int:term_id>/close/", deputy_views.term_close, name="term_close"),
    path("school/terms/<int:term_id>/reopen/<int:class_id>/", deputy_views.term_reopen, name="term_reopen"),
    path("school/corrections/", deputy_views.corrections_page, name="corrections"),
    path("school/corrections/<int:pk>/decide/", deputy_views.correction_decide, name="correction_decide"),
]

# A child's marks, diary and changed marks for the family; the class teacher's list of confirmed weeks.
urlpatterns += [
    path("students/<int:pk>/marks/", family_views.student_marks, name="student_marks"),
    path("students/<int:pk>/diary/", family_views.student_diary, name="student_diary"),
    path(
        "students/<int:pk>/diary/acknowledge/",
        family_views.student_diary_acknowledge,
        name="student_diary_acknowledge",
    ),
    path("students/<int:pk>/changes/", family_views.student_changes, name="student_changes"),
    path("students/<int:pk>/dynamics/", family_views.student_dynamics, name="student_dynamics"),
    path(
        "classes/<int:pk>/acknowledgements/",
        family_views.class_acknowledgements,
        name="class_acknowledgements",
    ),
]

# State exam results (ГИА): the school's for the deputy, director and administrator; a class's for its teacher.
urlpatterns += [
    path("school/exams/", exam_views.exams_page, name="exams"),
    path("school/exams/<int:pk>/edit/", exam_views.exam_result_edit, name="exam_result_edit"),
    path("school/exams/<int:pk>/delete/", exam_views.exam_result_delete, name="exam_result_delete"),
    path("classes/<int:pk>/exams/", exam_views.class_exams, name="class_exams"),
]

# Progress certificates (справки об успеваемости): issued by the deputy or director, opened by the staff who
# see the student and by the student's guardians; checked by anyone at the public /verify/ pages.
urlpatterns += [
    path(
        "students/<int:pk>/certificates/issue/", certificate_views.certificate_issue, name="certificate_issue"
    ),
    path("certificates/<int:pk>/", certificate_views.certificate_detail, name="certificate_detail"),
    path(
        "certificates/<int:pk>/download/", certificate_views.certificate_download, name="certificate_download"
    ),
    path("verify/", certificate_views.certificate_verify_lookup, name="certificate_verify_lookup"),
    path("verify/<str:code>/", certificate_views.certificate_verify, name="certificate_verify"),
]

# Diagnostic works (контрольные работы, техника чтения): a class's list, a work's form and its results grid.
urlpatterns += [
    path("classes/<int:pk>/diagnostics/", diagnostic_views.class_diagnostics, name="class_diagnostics"),
    path(
        "classes/<int:pk>/diagnostics/new/",
        diagnostic_views.diagnostic_work_create_view,
        name="diagnostic_work_create",
    ),
    path("diagnostics/<int:pk>/", diagnostic_views.diagnostic_results, name="diagnostic_results"),
    path("diagnostics/<int:pk>/edit/", diagnostic_views.diagnostic_work_edit, name="diagnostic_work_edit"),
    path(
        "diagnostics/<int:pk>/delete/",
        diagnostic_views.diagnostic_work_delete_view,
        name="diagnostic_work_delete",
    ),
]

# Reports: the form and one's jobs, the ledger as a page, job status for the live list, result files.
urlpatterns += [
    path("reports/", report_views.reports_page, name="reports"),
    path("reports/jobs/", report_views.report_job_create, name="report_job_create"),
    path("reports/ledger/", report_views.report_ledger, name="report_ledger"),
    path("reports/jobs/status/", report_views.report_jobs_status, name="report_jobs_status"),
    path("reports/jobs/<uuid:pk>/download/", report_views.report_job_download, name="report_job_download"),
    path("reports/<slug:kind>/", report_views.report_page, name="report_page"),
]
