"""Sending the letters by email: the ``plan`` (what goes to whom, from the letters folder's manifest), the
``ledger`` of what went, and the ``transports`` (SMTP, or the outbox of a dry run). The standard library's
email and smtplib only: sending never loads pandas, docxtpl or python-docx."""
