"""The core: model, lifecycle rules, store, checkers and policy. It never imports Textual."""
