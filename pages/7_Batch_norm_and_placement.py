"""Dropout with batch normalisation (the variance shift), and where to put dropout and how much."""
from dropout_viz.lessons.batch_norm import view
from dropout_viz.ui import nav
from dropout_viz.ui.i18n import _

presenter = nav.page_setup(_("Batch norm and placement"), icon="📏")
view.render(presenter)
