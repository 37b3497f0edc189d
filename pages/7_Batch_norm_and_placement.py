"""Dropout with batch normalisation (the variance shift), and where to put dropout and how much."""
from dropout_viz.lessons.batch_norm import view
from dropout_viz.ui import common as ui

presenter = ui.page_setup("Batch norm and placement", icon="📏")
view.render(presenter)
