"""Live training: the same network, the same data and minibatches, trained with and without dropout."""
from dropout_viz.lessons.live_training import view
from dropout_viz.ui import nav
from dropout_viz.ui.i18n import _

presenter = nav.page_setup(_("Live training"))
view.render(presenter)
