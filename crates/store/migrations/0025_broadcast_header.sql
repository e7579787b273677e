-- A broadcast's template may have a media header (an image, a video, a document or a place):
-- what every recipient's send carries for it, as JSON (`domain::template_header::HeaderValue`:
-- a link Meta fetches, a media id already uploaded to Meta, or a location). Null: no header.
ALTER TABLE broadcasts ADD COLUMN header TEXT;
