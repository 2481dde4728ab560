"""Danish, for people: pages, mails, exports and printed reports."""
