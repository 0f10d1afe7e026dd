"""Publishing the year: the static ``site`` of every council's figures and letter, each letter as HTML
(``letter_html``, through mammoth), and the data as CSV, JSON, a spreadsheet and SQLite (sqlite-utils)."""
