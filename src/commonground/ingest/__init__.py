"""Documents (PDF, DOCX, HTML, Markdown, text) to case-study records traced to page and offset."""

from commonground.ingest.document import Document
from commonground.ingest.extract import Extraction, extract
from commonground.ingest.readers import SUPPORTED, read_document
from commonground.ingest.service import document_paths, extract_file, extract_paths, ingest

__all__ = [
    "SUPPORTED", "Document", "Extraction", "document_paths", "extract", "extract_file",
    "extract_paths", "ingest", "read_document",
]
