"""WTForms forms of the admin pages and the login (Bahasa Indonesia labels)."""
