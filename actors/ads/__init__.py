"""The Ads pipeline: creatives the extension saves, stored for good with their media."""
