"""Read-only views: folium pages, GeoJSON layers and figures. Maps only read."""
