"""Sales feedback: accepted MQLs and rejections with reason codes, as marketing reads them."""
