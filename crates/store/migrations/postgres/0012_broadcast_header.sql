-- As SQLite's 0025: what every recipient's send carries for the template's media header, as
-- JSON (`domain::template_header::HeaderValue`); null for none.
ALTER TABLE broadcasts ADD COLUMN header TEXT;
