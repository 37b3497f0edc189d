"""Live training: the same network, the same data and minibatches, trained with and without dropout."""
from dropout_viz.lessons.live_training import view
from dropout_viz.ui import common as ui

presenter = ui.page_setup("Live training")
view.render(presenter)
