"""Ensemble vs weight scaling: the average of many subnetworks against one scaled network, and when they agree."""
from dropout_viz.lessons.ensembles import view
from dropout_viz.ui import nav
from dropout_viz.ui.i18n import _

presenter = nav.page_setup(_("Ensemble vs weight scaling"), icon="⚖️")
view.render(presenter)
