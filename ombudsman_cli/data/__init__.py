"""Reading: the decisions export, the register of authorities and the contacts file, checked cell by cell
(pandas, python-calamine, openpyxl). Nothing here knows about letters, mail or web pages."""
