"""NENA EIDO (NENA-STA-021, the JSON Emergency Incident Data Object): a call as another centre's CAD reads it."""
