"""Every route of the project and who may use it: the one table the access tests walk.

A route that is not in this table fails the test suite (tests/accounts/test_route_policy.py), so a new
page or endpoint cannot ship without someone deciding who may open it. Object-level scope (which
student, which class) is decided by the app's access.py; this table says which people may try.

Kinds:
- PUBLIC: anyone, signed in or not (sign-in, password reset, language switch).
- SIGNED_IN: any signed-in person; what they see is filtered by access.py (404 outside their scope).
- ADMIN_SITE: Django admin, for accounts flagged as staff (is_staff).
- a frozenset of roles: a signed-in person holding at least one of them; everyone else gets 404.
"""

from accounts.models import Role

PUBLIC = "public"
SIGNED_IN = "signed_in"
ADMIN_SITE = "admin_site"

SCHOOL_WIDE = frozenset({Role.DEPUTY, Role.DIRECTOR, Role.ADMIN})
STAFF = frozenset({Role.TEACHER, Role.CLASS_TEACHER}) | SCHOOL_WIDE
REPORTERS = frozenset({Role.DEPUTY, Role.DIRECTOR, Role.CLASS_TEACHER})
REPORT_USERS = REPORTERS | {Role.TEACHER}  # a subject teacher builds the report of their own subjects
DIAGNOSTIC_READERS = frozenset({Role.TEACHER, Role.CLASS_TEACHER, Role.DEPUTY, Role.DIRECTOR})
DIAGNOSTIC_WRITERS = frozenset({Role.TEACHER, Role.DEPUTY})
ARCHIVISTS = frozenset({Role.DEPUTY, Role.DIRECTOR})

ROUTES = {
    # accounts
    "home": SIGNED_IN,
    "role_switch": SIGNED_IN,
    "api-me": SIGNED_IN,
    # role portals
    "teacher_home": frozenset({Role.TEACHER}),
    "class_teacher_home": frozenset({Role.CLASS_TEACHER}),
    "parent_home": frozenset({Role.PARENT}),
    "student_home": frozenset({Role.STUDENT}),
    "school_overview": SCHOOL_WIDE,
    # school structure
    "class_detail": STAFF,
    "student_detail": SIGNED_IN,
    "api-my-children": SIGNED_IN,
    "api-my-classes": SIGNED_IN,
    "api-student-detail": SIGNED_IN,
    # bulk import
    "import_upload": frozenset({Role.ADMIN}),
    "import_preview": frozenset({Role.ADMIN}),
    "import_commit": frozenset({Role.ADMIN}),
    "import_sample": frozenset({Role.ADMIN}),
    # the journal: readable by its teacher, the class teacher and the school-wide roles; written by its teacher
    "journal": STAFF,
    "journal_lesson_create": frozenset({Role.TEACHER}),
    "journal_lesson_update": frozenset({Role.TEACHER}),
    "journal_lesson_delete": frozenset({Role.TEACHER}),
    "journal_column_fill": frozenset({Role.TEACHER}),
    "journal_history": STAFF,
    "journal_year": STAFF,
    "correction_request": frozenset({Role.TEACHER}),
    "rules": frozenset({Role.DEPUTY, Role.DIRECTOR}),
    "terms": SCHOOL_WIDE,
    "term_close": frozenset({Role.DEPUTY}),
    "term_reopen": frozenset({Role.DEPUTY}),
    "corrections": frozenset({Role.DEPUTY, Role.DIRECTOR}),
    "correction_decide": frozenset({Role.DEPUTY}),
    "api-journal": SIGNED_IN,
    "api-journal-cell": SIGNED_IN,
    "api-journal-term-mark": SIGNED_IN,
    # a child's marks, diary and changed marks: the child, their guardians and the staff who see the child
    "student_marks": SIGNED_IN,
    "student_diary": SIGNED_IN,
    "student_diary_acknowledge": SIGNED_IN,  # only a guardian succeeds; others who see the child get 403
    "student_changes": SIGNED_IN,
    "student_dynamics": SIGNED_IN,
    "class_acknowledgements": frozenset({Role.CLASS_TEACHER}) | SCHOOL_WIDE,
    "api-student-marks": SIGNED_IN,
    "api-student-diary": SIGNED_IN,
    "api-student-diary-acknowledge": SIGNED_IN,
    "api-student-changes": SIGNED_IN,
    # state exam results (ГИА): kept by the school-wide roles; read by the class teacher of a 9th or 11th class
    "exams": SCHOOL_WIDE,
    "exam_result_edit": SCHOOL_WIDE,
    "exam_result_delete": SCHOOL_WIDE,
    "class_exams": frozenset({Role.CLASS_TEACHER}) | SCHOOL_WIDE,
    # diagnostic works: read by a teacher (their subjects in the class), the class teacher (their class), the
    # deputy and the director; created and filled by the subject's teacher or the deputy (gradebook.access)
    "class_diagnostics": DIAGNOSTIC_READERS,
    "diagnostic_work_create": DIAGNOSTIC_WRITERS,
    "diagnostic_results": DIAGNOSTIC_READERS,
    "diagnostic_work_edit": DIAGNOSTIC_WRITERS,
    "diagnostic_work_delete": DIAGNOSTIC_WRITERS,
    # progress certificates: issued by the deputy or director; opened by the staff who see the student and by
    # the student's guardians (access in gradebook.certificates); checked by anyone, who learns no personal data
    "certificate_issue": frozenset({Role.DEPUTY, Role.DIRECTOR}),
    "certificate_detail": SIGNED_IN,
    "certificate_download": SIGNED_IN,
    "certificate_verify_lookup": PUBLIC,
    "certificate_verify": PUBLIC,
    # reports: the deputy and the director for the school, a class teacher for their own class, a subject
    # teacher for their own subjects; each kind's roles and check (gradebook.reports.kinds) decide what a
    # person may build; a result file goes to its requester and the deputy/director
    "reports": REPORT_USERS,
    "report_job_create": REPORT_USERS,
    "report_ledger": REPORT_USERS,
    "report_page": REPORT_USERS,
    "report_jobs_status": REPORT_USERS,
    "report_job_download": REPORT_USERS,
    # portfolio: a student's page and items for whoever sees the student (portfolio.access decides adding,
    # changing and reviewing: the family adds, the class teacher/deputy/director verify); files only through
    # a permission-checked view; the rating for staff (a class teacher sees their class), the rest the deputy's
    "portfolio_student": SIGNED_IN,
    "portfolio_item_add": SIGNED_IN,
    "credit_request_add": SIGNED_IN,  # the family only; staff get 404
    "portfolio_item": SIGNED_IN,
    "portfolio_item_edit": SIGNED_IN,
    "portfolio_item_evidence": SIGNED_IN,
    "portfolio_item_review": SIGNED_IN,
    "portfolio_evidence": SIGNED_IN,
    "portfolio_review_queue": frozenset({Role.CLASS_TEACHER, Role.DEPUTY, Role.DIRECTOR}),
    "portfolio_rating": frozenset({Role.CLASS_TEACHER}) | SCHOOL_WIDE,
    "portfolio_overview": SCHOOL_WIDE,
    "portfolio_points": frozenset({Role.DEPUTY}),
    "portfolio_awards": frozenset({Role.DEPUTY, Role.DIRECTOR}),
    "award_proposals_generate": frozenset({Role.DEPUTY}),
    "award_proposal_decide": frozenset({Role.DEPUTY}),
    "award_order_create": frozenset({Role.DEPUTY}),
    "award_order_pdf": frozenset({Role.DEPUTY, Role.DIRECTOR}),
    "portfolio_credits": frozenset({Role.DEPUTY, Role.DIRECTOR}),
    "credit_request_decide": frozenset({Role.DEPUTY}),
    "portfolio_gifted": frozenset({Role.DEPUTY, Role.DIRECTOR}),
    # archive: the year close is the deputy's; packages are the deputy's and the director's (DESIGN §4)
    "archive_home": ARCHIVISTS,
    "archive_year_close": frozenset({Role.DEPUTY}),
    "archive_promotion": ARCHIVISTS,  # the director sees the proposal; only the deputy confirms (POST)
    "archive_package_create": ARCHIVISTS,
    "archive_packages_status": ARCHIVISTS,
    "archive_package_detail": ARCHIVISTS,
    "archive_package_verify": ARCHIVISTS,
    "archive_package_download": ARCHIVISTS,
    "retention": ARCHIVISTS,
    "destruction_act_create": frozenset({Role.DEPUTY}),
    "destruction_act_detail": ARCHIVISTS,
    "destruction_act_approve": frozenset({Role.DIRECTOR}),
    "destruction_act_pdf": ARCHIVISTS,
    "legal_hold_create": frozenset({Role.DEPUTY}),
    "legal_hold_release": frozenset({Role.DEPUTY}),
    "my_child_data": frozenset({Role.PARENT}),  # archive.access: the child's own guardian only
    "api-student-portfolio": SIGNED_IN,
    "api-portfolio-overview": SIGNED_IN,  # the school-wide roles; everyone else 404
    # achievements: levels, personal results and characteristics for the class teacher of the class, the deputy
    # and the director (achievements.access narrows to the class); the results card for whoever sees the student
    "levels_class": frozenset({Role.CLASS_TEACHER, Role.DEPUTY, Role.DIRECTOR}),
    "personal_results": frozenset({Role.CLASS_TEACHER, Role.DEPUTY, Role.DIRECTOR}),
    "level_thresholds": frozenset({Role.CLASS_TEACHER, Role.DEPUTY, Role.DIRECTOR}),
    "characteristic_edit": frozenset({Role.CLASS_TEACHER, Role.DEPUTY, Role.DIRECTOR}),
    "characteristic_publish": frozenset({Role.CLASS_TEACHER, Role.DEPUTY, Role.DIRECTOR}),
    "results_card": SIGNED_IN,
    "results_card_pdf": SIGNED_IN,
    # API description
    "api-schema": SIGNED_IN,
    "api-docs": SIGNED_IN,
    "set_language": PUBLIC,
    "healthz": PUBLIC,
    # allauth: signing in and recovering access
    "account_login": PUBLIC,
    "account_signup": PUBLIC,  # shows "sign-up is closed": accounts are made by the school
    "account_reset_password": PUBLIC,
    "account_reset_password_done": PUBLIC,
    "account_reset_password_from_key": PUBLIC,
    "account_reset_password_from_key_done": PUBLIC,
    "account_confirm_login_code": PUBLIC,
    "account_confirm_email": PUBLIC,
    "account_email_verification_sent": PUBLIC,
    "account_inactive": PUBLIC,
    "mfa_authenticate": PUBLIC,  # the second step of signing in
    # allauth: managing one's own account
    "account_logout": SIGNED_IN,
    "account_reauthenticate": SIGNED_IN,
    "account_email": SIGNED_IN,
    "account_change_password": SIGNED_IN,
    "account_set_password": SIGNED_IN,
    "mfa_index": SIGNED_IN,
    "mfa_reauthenticate": SIGNED_IN,
    "mfa_activate_totp": SIGNED_IN,
    "mfa_deactivate_totp": SIGNED_IN,
    "mfa_view_recovery_codes": SIGNED_IN,
    "mfa_generate_recovery_codes": SIGNED_IN,
    "mfa_download_recovery_codes": SIGNED_IN,
}

# Whole namespaces handed to a third-party app with its own access rules.
NAMESPACES = {
    "admin": ADMIN_SITE,
}


def policy_for(route_name: str):
    """The policy of a route name (`namespace:name` for namespaced ones), or None if it has none."""
    namespace, _sep, _name = route_name.rpartition(":")
    if namespace:
        return NAMESPACES.get(namespace.split(":")[0])
    return ROUTES.get(route_name)
