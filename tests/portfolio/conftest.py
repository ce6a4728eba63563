import pytest


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Evidence files go to the test's own folder, not the project's var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
