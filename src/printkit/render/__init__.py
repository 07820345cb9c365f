"""HTML to PDF: the only package that imports WeasyPrint (lazily, in workers)."""
