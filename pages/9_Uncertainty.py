"""Uncertainty from dropout, measured honestly: calibration, the band, and what the uncertainty is made of."""
from dropout_viz.lessons.uncertainty import view
from dropout_viz.ui import nav

presenter = nav.page_setup("Uncertainty", icon="🎯")
view.render(presenter)
