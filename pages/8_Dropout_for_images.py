"""Dropout for images: element-wise, spatial and DropBlock masks on a small CNN's feature maps."""
from dropout_viz.lessons.images import view
from dropout_viz.ui import nav
from dropout_viz.ui.i18n import _

presenter = nav.page_setup(_("Dropout for images"), icon="🖼️")
view.render(presenter)
