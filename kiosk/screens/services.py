"""服务窗口 at the terminal: pick a category, tap a ready phrase to submit it; the member's requests
with status, deadline and answer on the right (``kiosk.servicedesk`` does the work)."""

from __future__ import annotations

from kivy.app import App
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.label import Label
from kivy.uix.recycleview.views import RecycleDataViewBehavior
from kivy.uix.screenmanager import Screen


class ServiceChoice(RecycleDataViewBehavior, ButtonBehavior, Label):
    """A category in the left column."""

    key = StringProperty("")
    selected = BooleanProperty(False)

    def on_release(self) -> None:
        App.get_running_app().service_desk.pick(self.key)


class ServicePhrase(RecycleDataViewBehavior, ButtonBehavior, Label):
    """A ready phrase: one tap submits it under the chosen category."""

    def on_release(self) -> None:
        App.get_running_app().service_desk.send(self.text)


class ServicesScreen(Screen):
    pass
