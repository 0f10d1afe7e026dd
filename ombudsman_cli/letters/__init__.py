"""Making the letters: each letter's words and figures (``context``), the Word file (``rendering``, with its
native ``chart``), the run that writes a folder of them with its ``manifest``, and the tagged PDFs (``pdf``,
``pdf_finish``). The heavy parts (docxtpl, python-docx, LibreOffice, pikepdf) are loaded here only."""
