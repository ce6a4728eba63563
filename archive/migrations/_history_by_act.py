"""The SQL of the history triggers that let a destruction act through (used by migrations 0003 and 0004)."""

BY_ACT = """
CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND coalesce(current_setting('app.destruction_act', true), '') <> '' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION '{table} is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
"""

ALWAYS = """
CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{table} is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
"""


def replace(template, functions):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for function, table in functions.items():
            schema_editor.execute(template.format(function=function, table=table), params=None)

    return run
