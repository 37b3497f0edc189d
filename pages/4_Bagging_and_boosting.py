"""Bagging, dropout and dropout boosting: many independent networks against one network with shared weights."""
from dropout_viz.lessons.bagging import view
from dropout_viz.ui import nav
from dropout_viz.ui.i18n import _

presenter = nav.page_setup(_("Bagging and boosting"))
view.render(presenter)
