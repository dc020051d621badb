"""The terminal's sign-in, step one and two: large tiles to pick one's branch, then one's name (paged
when there are many). Binds to ``app.desk`` (kiosk.desk.SignInDesk); a tap is one call to it."""

from __future__ import annotations

from kivy.app import App
from kivy.properties import NumericProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.recycleview.views import RecycleDataViewBehavior
from kivy.uix.screenmanager import Screen


class PickTile(RecycleDataViewBehavior, ButtonBehavior, BoxLayout):
    key = NumericProperty(0)
    text = StringProperty("")
    note = StringProperty("")

    def on_release(self) -> None:
        App.get_running_app().desk.pick(self.key)


class SignInPickScreen(Screen):
    pass
