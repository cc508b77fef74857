"""One blueprint per module: auth, patrol, checkin, admin, public, api."""
