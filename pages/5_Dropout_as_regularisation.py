"""Dropout as regularisation: an L2 penalty in linear regression, bias and variance, its rivals, its noise variants."""
from dropout_viz.lessons.regularisation import view
from dropout_viz.ui import nav
from dropout_viz.ui.i18n import _

presenter = nav.page_setup(_("Dropout as regularisation"))
view.render(presenter)
