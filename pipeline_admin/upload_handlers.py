"""Size limits enforced while a form upload arrives, so an oversize one never fills the disk.

Django's own handlers write every byte they are given (to memory, then to a temporary file) and
the size check used to run after the whole file was there. This handler goes first in
FILE_UPLOAD_HANDLERS: a request whose Content-Length is over UPLOAD_FORM_MAX_BYTES is stopped at
its first file, before any byte of it is passed on; a file whose running count passes
UPLOAD_MAX_BYTES is skipped at the chunk that crosses the limit (the other files of the form go
on). A form with more than UPLOAD_MAX_FILES files is stopped at the first file past the limit
(Django's own count, DATA_UPLOAD_MAX_NUMBER_FILES, sits one above, so it never answers a bare
400 first). Refusals are left on the request for the view (`upload_refusals`).
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile, StopUpload
from django.template.defaultfilters import filesizeformat


@dataclass(frozen=True)
class Refusal:
    name: str
    size: int  # bytes received when it was refused (the whole request for a Content-Length refusal)
    reason: str
    whole_request: bool = False  # True: nothing of this request is stored (too large, too many files)


def upload_refusals(request) -> list[Refusal]:
    return getattr(request, "_upload_refusals", [])


class SizeLimitUploadHandler(FileUploadHandler):
    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.request._upload_refusals = []
        self.request_too_large = content_length > settings.UPLOAD_FORM_MAX_BYTES
        self.content_length = content_length
        self.files = 0
        return None  # parsing goes on: the fields before the files (the CSRF token) are still read

    def new_file(self, field_name, file_name, *args, **kwargs):
        super().new_file(field_name, file_name, *args, **kwargs)
        self.received = 0
        self.files += 1
        if self.request_too_large:
            limit = filesizeformat(settings.UPLOAD_FORM_MAX_BYTES)
            reason = (
                f"this upload is {filesizeformat(self.content_length)}, over the form's limit of {limit}; "
                "nothing was stored. Upload larger files with JavaScript on, or with manage.py upload"
            )
            self._stop(Refusal(file_name, self.content_length, reason, whole_request=True))
        if self.files > settings.UPLOAD_MAX_FILES:
            reason = (
                f"at most {settings.UPLOAD_MAX_FILES} files can be uploaded at once; nothing was stored. "
                "Choose fewer files and upload the rest in a second batch"
            )
            self._stop(Refusal(file_name, 0, reason, whole_request=True))

    def _stop(self, refusal: Refusal):
        upload_refusals(self.request).append(refusal)
        # The rest of the body is not read: an oversize request costs no more disk or time.
        raise StopUpload(connection_reset=True)

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.UPLOAD_MAX_BYTES:
            limit = filesizeformat(settings.UPLOAD_MAX_BYTES)
            reason = f"{self.file_name}: more than {limit} arrived, over the limit of {limit}; nothing was stored"
            self.request._upload_refusals.append(Refusal(self.file_name, self.received, reason))
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handlers build the file
