"""Dropout Lab home: what dropout is, one live network with keep sliders, and the map of the pages."""
from dropout_viz.lessons.home import view
from dropout_viz.ui import nav

presenter = nav.page_setup("Dropout Lab")
view.render(presenter)
