"""The portal's date formats for English, as the settings name them (see ``DATE_FORMAT``).

Django prefers a locale's formats to the settings; this module is found first for "en" and
"en-us" (``FORMAT_MODULE_PATH``), so pages show the settings' formats. Every other format (the
input formats of forms, numbers) is Django's own for English.
"""

from django.conf import settings

DATE_FORMAT = settings.DATE_FORMAT
DATETIME_FORMAT = settings.DATETIME_FORMAT
SHORT_DATE_FORMAT = settings.SHORT_DATE_FORMAT
SHORT_DATETIME_FORMAT = settings.SHORT_DATETIME_FORMAT
