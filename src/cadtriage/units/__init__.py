"""Units: the responding teams and where they are — models, schemas, SQL; `dispatch` changes them."""
