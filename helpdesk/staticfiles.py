"""What collectstatic collects and how: source maps are left out (no page loads them; they were half of
the bytes hashed and compressed), so their references in the minified files are not followed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.staticfiles import finders
from whitenoise.storage import CompressedManifestStaticFilesStorage

# Only for a browser's developer tools, which ask for them when opened: a 404 there is harmless.
NOT_COLLECTED = ["*.map"]


# Finders, not a replacement of the staticfiles app (its name in INSTALLED_APPS is what the test live
# server and other tools look for to serve static files).
class FileSystemFinder(finders.FileSystemFinder):
    def list(self, ignore_patterns: Iterable[str] | None) -> Iterable[Any]:
        return super().list([*(ignore_patterns or []), *NOT_COLLECTED])


class AppDirectoriesFinder(finders.AppDirectoriesFinder):
    def list(self, ignore_patterns: Iterable[str] | None) -> Iterable[Any]:
        return super().list([*(ignore_patterns or []), *NOT_COLLECTED])


class StaticStorage(CompressedManifestStaticFilesStorage):
    """Hashed, compressed static files whose CSS url() and @import references are rewritten to the hashed
    names; sourceMappingURL comments are not (the maps are not collected, and a missing one would
    stop collectstatic)."""

    patterns = tuple(
        (
            extension,
            tuple(
                pattern
                for pattern in extension_patterns
                if "sourceMappingURL" not in (pattern if isinstance(pattern, str) else pattern[0])
            ),
        )
        for extension, extension_patterns in CompressedManifestStaticFilesStorage.patterns
        if extension != "*.js"
    )
