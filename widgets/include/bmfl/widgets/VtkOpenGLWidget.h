#pragma once

#include <QElapsedTimer>
#include <QOpenGLWidget>

#include <vtkNew.h>

class vtkGenericOpenGLRenderWindow;
class vtkGenericRenderWindowInteractor;
class vtkInteractorObserver;

namespace bmfl
{

/// The Qt 6 <-> VTK bridge. Debian's VTK Qt module is built for Qt 5, so this widget does the
/// job itself: it owns a vtkGenericOpenGLRenderWindow that renders into the widget's OpenGL
/// context, and a VTK interactor fed from Qt's mouse, wheel and key events (rotate with the left
/// button, pan with the middle button or Shift+left, zoom with the right button or the wheel).
/// Call configureDefaultSurfaceFormat() before the QApplication is created.
class VtkOpenGLWidget : public QOpenGLWidget
{
  Q_OBJECT

public:
  explicit VtkOpenGLWidget(QWidget* parent = nullptr);
  ~VtkOpenGLWidget() override;

  /// OpenGL 3.2 core, 24-bit depth, 8-bit stencil, as VTK's OpenGL2 back end needs.
  static void configureDefaultSurfaceFormat();

  vtkGenericOpenGLRenderWindow* renderWindow() const;
  vtkGenericRenderWindowInteractor* interactor() const;

  /// Replaces the interaction style (the default is a trackball camera).
  void setInteractorStyle(vtkInteractorObserver* style);

  /// Frames painted so far; tests and --screenshot wait on frameRendered().
  int renderedFrameCount() const { return RenderedFrames; }
  /// The time spent drawing frames so far, in nanoseconds: VTK's render into OpenGL and the
  /// window's composition and buffer swap. With a GPU a frame takes milliseconds; with a
  /// software OpenGL (llvmpipe) on a busy CPU a large mesh takes seconds.
  qint64 renderNanoseconds() const { return RenderNanoseconds; }

signals:
  void frameRendered();

protected:
  void initializeGL() override;
  void resizeGL(int width, int height) override;
  void paintGL() override;

  void mousePressEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mouseDoubleClickEvent(QMouseEvent* event) override;
  void wheelEvent(QWheelEvent* event) override;
  void keyPressEvent(QKeyEvent* event) override;
  void keyReleaseEvent(QKeyEvent* event) override;
  void enterEvent(QEnterEvent* event) override;
  void leaveEvent(QEvent* event) override;

private:
  void connectRenderWindowToContext();
  void forwardPointer(const QPointF& position,
                      Qt::KeyboardModifiers modifiers,
                      unsigned long vtkEvent,
                      bool doubleClick = false);
  void forwardKey(QKeyEvent* event, bool pressed);
  int toDevicePixels(double logical) const;

  vtkNew<vtkGenericOpenGLRenderWindow> RenderWindow;
  vtkNew<vtkGenericRenderWindowInteractor> Interactor;
  int RenderedFrames = 0;
  qint64 RenderNanoseconds = 0;
  QElapsedTimer Composing; ///< from aboutToCompose to frameSwapped
};

} // namespace bmfl
