"""Dropout adapted to architectures: recurrent connections and residual blocks (stochastic depth)."""
from dropout_viz.lessons.architectures import view
from dropout_viz.ui import nav

presenter = nav.page_setup("Sequences and depth", icon="🧱")
view.render(presenter)
