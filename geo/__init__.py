"""Geography: the territory's zones, technical services, categories, and routing a point to them."""
