"""Imports from people's own spreadsheets: reading CSV and XLSX files safely (files), the problems found row by row
(problems), recognising columns by their headings (headings) and a member's coverage import (coverage)."""
