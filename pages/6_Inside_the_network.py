"""Inside the network: co-adaptation, path survival, Jensen's gap and flat minima, each as a live experiment."""
from dropout_viz.lessons.inside import view
from dropout_viz.ui import nav
from dropout_viz.ui.i18n import _

presenter = nav.page_setup(_("Inside the network"))
view.render(presenter)
