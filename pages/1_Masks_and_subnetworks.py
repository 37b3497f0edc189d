"""Masks and subnetworks: what one dropout mask does to a network, a minibatch, a vector and one training step."""
from dropout_viz.lessons.masks import view
from dropout_viz.ui import nav
from dropout_viz.ui.i18n import _

presenter = nav.page_setup(_("Masks and subnetworks"))
view.render(presenter)
