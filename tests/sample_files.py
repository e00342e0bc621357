"""Files that are not order CSVs, built the way their programs write them, for the upload refusals."""

import io
import zipfile


def xlsx_bytes() -> bytes:
    """A workbook as Excel writes one: a zip whose first part is [Content_Types].xml."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        book.writestr("xl/workbook.xml", "<workbook><sheets><sheet name='Orders'/></sheets></workbook>")
        book.writestr("xl/worksheets/sheet1.xml", "<worksheet>" + "<row><c>1</c></row>" * 50 + "</worksheet>")
    return buffer.getvalue()
